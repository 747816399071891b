"""Illustrative demo data: fictional organisations to explore the app with, loaded and removed in one action each."""
