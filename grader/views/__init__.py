"""Views of a graded Report: reports (text, JSON, Gradescope's results as a dict), html_report with
report_graphs and report_plots. They draw what the pipeline recorded and run nothing of their own."""
