"""Providers apply a :class:`dns_tools.fix.Plan` to a real zone."""
from .rfc2136 import Rfc2136Provider
from .route53 import Route53Provider

__all__ = ["Route53Provider", "Rfc2136Provider"]
