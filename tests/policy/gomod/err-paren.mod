// expect-error: 5: unexpected ')'

module example.com/app

)
