"""The web chat widget, its demo page and the event stream for replies that arrive later."""
