"""deep."""
