"""Migran Aman: safe-migration and anti-trafficking chatbot."""
