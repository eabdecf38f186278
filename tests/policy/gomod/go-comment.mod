// A plain comment on the go line is fine (gomodjail rejects any comment there).
// CRLF line endings below on purpose.
// expect-confined: example.com/a
// expect-unconfined: example.com/app

module example.com/app

go 1.21 // minimum for slices

require example.com/a v1.0.0 // gomodjail:confined
