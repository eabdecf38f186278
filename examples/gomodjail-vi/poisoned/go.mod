module example.com/poisoned

go 1.19
