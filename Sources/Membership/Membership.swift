import IMISData
public enum MembershipModule {}
