"""Citizens who receive the commune's announcements on their own chat: hamlet, topics, opt-in and opt-out."""
