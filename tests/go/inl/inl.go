// Package inl has a tiny function that the compiler inlines into
// victim's main.main (check: go build -gcflags=-m shows
// "inlining call to inl.Mix"). Its code then lies inside main.main's PC range;
// only the pclntab inline tree says it belongs to example.com/inl.
package inl

// Mix mixes two integers. Keep it small and branch-free so it is inlined.
func Mix(a, b int) int {
	return (a*31 + b) ^ 0x5a5a
}
