module example.com/yaml.v3

go 1.19
