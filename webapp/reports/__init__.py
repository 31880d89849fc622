"""What managers and owners need to see: the dashboard, the reports, their charts and CSV exports."""
