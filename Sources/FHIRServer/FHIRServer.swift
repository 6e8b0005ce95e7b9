import Hummingbird
public enum FHIRServerModule {}
