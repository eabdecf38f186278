module example.com/bench

go 1.19

require (
	example.com/benchcold v0.1.0
	example.com/poisoned v1.0.0
)

replace (
	example.com/benchcold => ./cold
	example.com/poisoned => ../../tests/go/poisoned
)
