"""Size budgets (`cnncalc check`): the engine (limits, results, the run) and the budget-file format."""
