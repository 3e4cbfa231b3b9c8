"""The web chat: Rasa's REST shape in, replies in the response, later messages pushed over Server-Sent Events."""
