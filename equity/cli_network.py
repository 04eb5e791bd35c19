"""Former home of ``maillage network``; kept so existing imports keep working."""

from equity.cli.network import TerminalProgress, add_network_parser, run_network

__all__ = ["TerminalProgress", "add_network_parser", "run_network"]
