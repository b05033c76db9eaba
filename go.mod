module github.com/falcon-triage/falcon-triage

go 1.26.8

require golang.org/x/oauth2 v0.38.0
