module example.com/hello

go 1.19

require (
	// A dependency we do not fully trust: the kernel confines it.
	example.com/dependency v0.1.0 // gomodjail:confined
)

replace example.com/dependency => ./dependency
