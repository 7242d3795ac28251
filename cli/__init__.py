"""`wjw`, the command line: wiring only, like `dags/`; the work is in `archive/`, the simulation's commands in `simweb/`."""
