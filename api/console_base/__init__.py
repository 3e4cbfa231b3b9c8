"""The console's base, below the features: the layout and rendering (templating.py) and staff sessions (auth.py).

Feature console pages (bulletins, appointments, subscriptions, nlu, province) build on it; the console itself
(api/console/, at the top) adds its own pages and imports the features, never the other way round.
"""
