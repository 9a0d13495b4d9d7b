<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlertQueuePanel</name>
    <message>
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>全部等级</translation>
    </message>
    <message>
        <source>P%1 and higher</source>
        <translation>P%1 及以上</translation>
    </message>
    <message>
        <source>Search id, title, address…</source>
        <translation>搜索编号、标题、地址…</translation>
    </message>
    <message>
        <source>Acknowledge  [A]</source>
        <translation>签收  [A]</translation>
    </message>
    <message>
        <source>%1 is already %2.</source>
        <translation>%1 已是“%2”状态。</translation>
    </message>
    <message>
        <source>%1 shown / %2 total</source>
        <translation>显示 %1 / 共 %2</translation>
    </message>
    <message>
        <source>Select an alert to see its details.</source>
        <translation>选择一条警情查看详情。</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>History</source>
        <translation>处置记录</translation>
    </message>
</context>
<context>
    <name>AlertTableModel</name>
    <message>
        <source>P</source>
        <translation>级</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>me</source>
        <translation>我</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>110 call</source>
        <translation>110报警</translation>
    </message>
    <message>
        <source>E-fence</source>
        <translation>电子围栏</translation>
    </message>
    <message>
        <source>Face match</source>
        <translation>人脸比对</translation>
    </message>
    <message>
        <source>Plate match</source>
        <translation>车牌布控</translation>
    </message>
    <message>
        <source>Radio emergency</source>
        <translation>电台紧急报警</translation>
    </message>
    <message>
        <source>Video analytics</source>
        <translation>视频分析</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>人工录入</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新警情</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>已派警</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>重连中</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Unauthorized</source>
        <translation>未授权</translation>
    </message>
    <message>
        <source>%n s</source>
        <translation>%n 秒</translation>
    </message>
    <message>
        <source>%n min</source>
        <translation>%n 分钟</translation>
    </message>
    <message>
        <source>%h h %m min</source>
        <translation>%h 小时 %m 分</translation>
    </message>
</context>
<context>
    <name>LinkStatusWidget</name>
    <message>
        <source>%1 — retry in %2 s</source>
        <translation>%1 — %2 秒后重试</translation>
    </message>
    <message>
        <source>%1 as %2 (%3)</source>
        <translation>%1 · %2（%3）</translation>
    </message>
    <message>
        <source>seq %1</source>
        <translation>序号 %1</translation>
    </message>
    <message>
        <source>%1 ev/s</source>
        <translation>%1 事件/秒</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sign in — Dispatch Console</source>
        <translation>登录 — 指挥调度台</translation>
    </message>
    <message>
        <source>token from 'dispatch-backend operator add'</source>
        <translation>由 'dispatch-backend operator add' 生成的令牌</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后台地址</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>The backend URL must start with ws:// or wss://.</source>
        <translation>后台地址必须以 ws:// 或 wss:// 开头。</translation>
    </message>
    <message>
        <source>Enter your token.</source>
        <translation>请输入令牌。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Dispatch Console — 指挥调度台</source>
        <translation>指挥调度台</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Sign in again…</source>
        <translation>重新登录…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>A or Space: acknowledge the selected alert
Up/Down: move through the queue
Ctrl+Q: quit</source>
        <translation>A 或 空格：签收选中的警情
上/下：在队列中移动
Ctrl+Q：退出</translation>
    </message>
    <message>
        <source>The backend refused the sign-in: %1. Use File → Sign in again.</source>
        <translation>后台拒绝登录：%1。请使用 文件 → 重新登录。</translation>
    </message>
    <message>
        <source>%1 acknowledged.</source>
        <translation>%1 已签收。</translation>
    </message>
    <message>
        <source>Not done — someone else changed this alert first: %1 The row now shows its current state.</source>
        <translation>未执行 — 该警情已被他人先行修改：%1 该行已刷新为最新状态。</translation>
    </message>
    <message>
        <source>Not done (%1): %2</source>
        <translation>未执行（%1）：%2</translation>
    </message>
</context>
</TS>