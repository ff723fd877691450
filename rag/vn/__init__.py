"""Vietnamese (and English) text: normalization, places and organizations, names, dates, legal references."""
