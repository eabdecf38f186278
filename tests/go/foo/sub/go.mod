module example.com/foo/sub

go 1.19
