// expect-error: 0: no module directive

go 1.23

require example.com/a v1.0.0 // gomodjail:confined
