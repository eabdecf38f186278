// expect-error: 5: must use // comments

module example.com/app

require example.com/a v1.0.0 /* gomodjail:confined */
