// expect-error: 6: invalid module path

module example.com/app

require (
	"example.com/a b" v1.0.0
)
