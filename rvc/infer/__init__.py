"""Voice conversion: audio + voice file + index -> converted audio."""
