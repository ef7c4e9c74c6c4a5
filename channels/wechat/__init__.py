"""The WeChat official account as one channel: protocol, crypto, callback, outbound client, delivery."""
