// expect-error: 5: unterminated quoted string

module example.com/app

require "example.com/a v1.0.0
