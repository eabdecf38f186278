// Package generic has generic functions and types; their instantiations are
// named "example.com/generic.Map[...]", "example.com/generic.(*Stack[...]).Push".
package generic

//go:noinline
func Map[T, U any](s []T, f func(T) U) []U {
	r := make([]U, 0, len(s))
	for _, v := range s {
		r = append(r, f(v))
	}
	return r
}

type Number interface {
	~int | ~int64 | ~float64
}

//go:noinline
func Sum[T Number](s []T) T {
	var t T
	for _, v := range s {
		t += v
	}
	return t
}

type Stack[T any] struct {
	items []T
}

//go:noinline
func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

//go:noinline
func (s *Stack[T]) Pop() (T, bool) {
	var zero T
	if len(s.items) == 0 {
		return zero, false
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, true
}
