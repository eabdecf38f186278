module go.example.com/gomod

go 1.19
