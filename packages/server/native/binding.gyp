{
  # Kaigi's AES-128-GCM addon (aes_gcm.c). Built by packages/server's "install" script during
  # `npm ci`; OpenSSL comes from the node binary itself (headers under the node headers dir).
  "targets": [
    {
      "target_name": "kaigi_aes_gcm",
      "sources": ["aes_gcm.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
