"""Link: the project model — functions with their handler code, triggers, environment and settings; tables; resources."""
