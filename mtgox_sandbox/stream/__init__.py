"""The Streaming API (websocket and Socket.IO 0.9) over the engine's feed."""
