ARG BASE=alpine:3.20
# only arguments
