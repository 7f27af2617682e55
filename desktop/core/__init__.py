"""The product's logic, free of any front end: no Qt, no argparse (see ARCHITECTURE.md)."""
