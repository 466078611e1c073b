"""Subdomain compliance, the Flask side: feeds the villages to ``dns_tools`` and
keeps the history of every run. All checking logic lives in ``dns_tools``."""
