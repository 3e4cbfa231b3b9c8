"""Safety first (principle 1): emergencies are recognised and answered by the gateway itself, in every state."""
