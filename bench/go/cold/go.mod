module example.com/benchcold

go 1.19
