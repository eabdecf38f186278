module example.com/foo

go 1.19
