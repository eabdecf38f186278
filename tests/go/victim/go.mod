module example.com/victim

go 1.19

require (
	example.com/foo v1.2.3
	example.com/foo/sub v0.3.0
	example.com/foobar v0.9.0
	example.com/generic v0.1.0
	example.com/inl v0.0.1
	example.com/poisoned v1.0.0
	example.com/yaml.v3 v1.0.0
	go.example.com/gomod v0.2.0
	golang.org/x/net v0.0.1
)

replace (
	example.com/foo => ../foo
	example.com/foo/sub => ../foo/sub
	example.com/foobar => ../foobar
	example.com/generic => ../generic
	example.com/inl => ../inl
	example.com/poisoned => ../poisoned
	example.com/yaml.v3 => ../yaml.v3
	go.example.com/gomod => ../gomod
	golang.org/x/net => ../xnet
)
