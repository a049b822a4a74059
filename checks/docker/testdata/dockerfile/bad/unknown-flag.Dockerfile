FROM alpine:3.20
COPY --chmod=644 --frobnicate=1 a b
