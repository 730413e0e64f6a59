"""A planner's own district: boundaries (`govsim district import`) and hotline ticket logs
(`govsim district tickets`) turned into a scenario the model runs."""
