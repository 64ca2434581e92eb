// Readiness probe for the local broker: succeeds once the broker answers a
// Metadata request (describeCluster + listTopics) through the real Kafka client.
// Run with the broker classpath (Java 11+ single-file source launcher):
//   java -cp "$LIB/*" infra/kafka/BrokerCheck.java 127.0.0.1:9092 [timeoutSeconds]
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;

public class BrokerCheck {
  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
    long timeoutMs = (args.length > 1 ? Long.parseLong(args[1]) : 30) * 1000L;
    long deadline = System.currentTimeMillis() + timeoutMs;
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "200");
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "crm-broker-check");
    Exception last = null;
    Admin admin = Admin.create(p);
    try {
      while (System.currentTimeMillis() < deadline) {
        try {
          long wait = Math.max(500, Math.min(5000, deadline - System.currentTimeMillis()));
          DescribeClusterResult c = admin.describeCluster();
          int nodes = c.nodes().get(wait, TimeUnit.MILLISECONDS).size();
          String clusterId = c.clusterId().get(wait, TimeUnit.MILLISECONDS);
          int topics = admin.listTopics().names().get(wait, TimeUnit.MILLISECONDS).size();
          if (nodes > 0) {
            System.out.println("broker ready: cluster=" + clusterId + " nodes=" + nodes + " topics=" + topics);
            admin.close(java.time.Duration.ofMillis(500));
            System.exit(0);
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(300);
      }
    } finally {
      admin.close(java.time.Duration.ofMillis(500));
    }
    System.err.println("broker not ready at " + bootstrap + ": " + (last == null ? "timeout" : last));
    System.exit(1);
  }
}
