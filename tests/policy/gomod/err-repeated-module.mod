// expect-error: 4: repeated module statement (first at line 3)

module example.com/app
module example.com/other
