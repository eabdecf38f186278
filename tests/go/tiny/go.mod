module example.com/tiny

go 1.19

require (
	example.com/foo v1.2.3
	example.com/inl v0.0.1
)

replace (
	example.com/foo => ../foo
	example.com/inl => ../inl
)
