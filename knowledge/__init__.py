"""The editable knowledge base (YAML files staff edit) and the plain-Python loaders both environments import:
facts.py for procedures, emergency.py for emergency guidance."""
