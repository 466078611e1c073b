"""dns_tools: prove every village subdomain is registered, resolves to the
platform and is served over valid HTTPS. No Flask import, ever: the Flask
side imports this package, never the other way round.

Public API (see docs/dns_tools.md)::

    ExpectedName, Result, Summary, VERDICTS, explanation, confirm_verdict
    CheckConfig, TsigKey, Route53Source, AxfrSource, ConfigError
    run_check(names, config, sinks, processes=1) -> Summary    (each result to every ResultSink)
    check_names_async(names, config, on_result) -> Summary     (async, streaming)
    check_names(names, config, on_result) -> Summary           (blocking)
    check_one(name, config) -> Result
    read_names(path) -> Iterator[ExpectedName]
    normalize_name(raw) -> str ; InvalidName
    plan_fixes(results, config) -> Plan ; Route53Provider, Rfc2136Provider
"""
from .config import AxfrSource, CheckConfig, ConfigError, Route53Source, TsigKey
from .fix import Change, FixError, Plan, plan_fixes
from .inputs import read_names
from .model import (TRANSIENT_VERDICTS, VERDICTS, WARNING_VERDICTS, ExpectedName, Result, Summary,
                    confirm_verdict, explanation, is_failure)
from .names import InvalidName, normalize_name
from .providers import Rfc2136Provider, Route53Provider
from .registry import RegistryError
from .report import make_writer
from .runner import ResultSink, check_names, check_names_async, check_one, run_check

__all__ = [
    "AxfrSource", "Change", "CheckConfig", "ConfigError", "ExpectedName", "FixError", "InvalidName", "Plan",
    "RegistryError", "Result", "ResultSink", "Rfc2136Provider", "Route53Provider", "Route53Source", "Summary",
    "TRANSIENT_VERDICTS", "TsigKey", "VERDICTS", "WARNING_VERDICTS", "check_names", "check_names_async",
    "check_one", "confirm_verdict", "explanation", "is_failure", "make_writer", "normalize_name", "plan_fixes",
    "read_names", "run_check",
]
