"""Where a citizen's administrative dossier is in the one-stop system (OpenCPS, a province system, or demo data)."""
