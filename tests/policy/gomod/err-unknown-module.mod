// expect-error: 3: unknown policy 'jailed' in // bpfjail: comment

// bpfjail:jailed
module example.com/app
