module example.com/foobar

go 1.19
