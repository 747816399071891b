"""Moving an installation to another database: every table copied, then every assessment scored on both."""
