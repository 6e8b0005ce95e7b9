public enum IMISDataModule {}
